#!/usr/bin/env python
from candidly.cli import main

if __name__ == "__main__":
    main()
