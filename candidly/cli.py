"""The `candidly` command: Django's management commands under one name.

`candidly demo`, `candidly serve`, `candidly migrate`, `candidly createsuperuser`, …
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "candidly"
    if len(argv) == 1:
        argv.append("help")
    elif "-" in argv[1] and not argv[1].startswith("-"):
        # Commands read with hyphens: `candidly sync-mail` runs sync_mail.
        import django
        from django.core.management import get_commands

        django.setup()
        commands = get_commands()
        if argv[1] not in commands and argv[1].replace("-", "_") in commands:
            argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
