"""Reading candidate files: encodings, formats told from content, each row a record or a
reason. No database: parsing stores nothing."""

import json

import pytest

from candidly.candidate_import.parsers import MappingError, decode, parse_file, parse_mapping

LINKEDIN = """Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Jordan,Ellis,https://www.linkedin.com/in/jordanellis,,Initech,Senior Python Developer,12 Mar 2024
Priya,Natarajan,https://www.linkedin.com/in/priya-n,priya@example.org,Globex,Data Engineer,01 Feb 2023
"""  # noqa: E501

GREENHOUSE = """Candidate ID,First Name,Last Name,Email,Phone,Current Company,Current Title,Location,LinkedIn,Source,Tags,Notes
10001,Sam,Lee,sam.lee@example.com; sam@home.example,"(617) 555-0101 (mobile), +44 20 7946 0958 (work)",Hooli,SRE,Boston,linkedin.com/in/samlee,Referral,"Kubernetes; Go",Met at "KubeCon"
10002,Ana,Souza,ana@example.com,,,,,,,,
"""  # noqa: E501


def _items(parsed):
    return [(i.label, i.record, i.problem) for i in parsed.items]


class TestEncodings:
    def test_utf8_with_and_without_byte_order_mark(self):
        text = "First Name,Last Name,Email\nZoë,Brontë,zoe@example.com\n"
        for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
            parsed = parse_file(data, "people.csv")
            assert parsed.notes == []
            (item,) = parsed.items
            assert (item.record.first_name, item.record.last_name) == ("Zoë", "Brontë")

    def test_windows_1252_is_read_with_a_note(self):
        data = "First Name,Last Name\nRenée,O’Brien\n".encode("cp1252")
        parsed = parse_file(data, "people.csv")
        assert parsed.notes == ["not UTF-8: read as Windows-1252"]
        assert parsed.items[0].record.last_name == "O’Brien"

    def test_bytes_undefined_in_windows_1252_fall_back_to_latin_1(self):
        text, note = decode(b"First Name,Last Name\nA\x81,B\n")
        assert note == "not UTF-8: read as Latin-1"
        assert text.endswith("A\x81,B\n")

    def test_utf16_with_byte_order_mark(self):
        data = "First Name\tLast Name\tEmail\nJo\tMarch\tjo@example.com\n".encode("utf-16")
        parsed = parse_file(data, "export.csv")
        assert parsed.items[0].record.emails == ["jo@example.com"]


class TestLinkedIn:
    def test_notes_above_the_header_are_skipped_and_rows_read(self):
        parsed = parse_file(LINKEDIN.encode(), "Connections.csv")
        assert parsed.format == "linkedin"
        assert parsed.notes == ["3 line(s) above the header skipped"]
        jordan, priya = (i.record for i in parsed.items)
        assert (jordan.first_name, jordan.last_name) == ("Jordan", "Ellis")
        assert jordan.urls == ["https://www.linkedin.com/in/jordanellis"]
        assert jordan.emails == []
        assert (jordan.company, jordan.headline) == ("Initech", "Senior Python Developer")
        assert jordan.source == "LinkedIn"
        assert priya.emails == ["priya@example.org"]
        assert parsed.items[0].label == "Connections.csv, line 5: Jordan Ellis"

    def test_forcing_linkedin_on_another_csv_is_refused_with_a_reason(self):
        parsed = parse_file(GREENHOUSE.encode(), "x.csv", format="linkedin")
        assert parsed.problem.startswith("not a LinkedIn connections: its header lacks")
        assert parsed.items == []


class TestGreenhouse:
    def test_columns_and_multi_valued_cells(self):
        parsed = parse_file(GREENHOUSE.encode(), "greenhouse.csv")
        assert parsed.format == "greenhouse"
        sam, ana = (i.record for i in parsed.items)
        assert sam.emails == ["sam.lee@example.com", "sam@home.example"]
        assert sam.phones == ["(617) 555-0101", "+44 20 7946 0958"]
        assert sam.urls == ["linkedin.com/in/samlee"]
        assert (sam.company, sam.headline, sam.location) == ("Hooli", "SRE", "Boston")
        assert (sam.source, sam.skills, sam.notes) == (
            "Referral",
            "Kubernetes, Go",
            'Met at "KubeCon"',
        )
        assert parsed.items[0].label == "greenhouse.csv, line 2 (candidate 10001): Sam Lee"
        assert ana.emails == ["ana@example.com"] and ana.source == ""


class TestAnyCsv:
    def test_a_column_mapping_names_the_columns(self):
        data = b"Given;Family;Mail;Employer;Misc\nKai;Berg;kai@example.com;Umbrella;x\n"
        mapping = parse_mapping("Given=first_name, Family=last_name,Mail=email, Misc=ignore")
        parsed = parse_file(data, "kai.csv", mapping=mapping, source="Meetup")
        assert parsed.format == "csv"
        (item,) = parsed.items
        record = item.record
        assert (record.first_name, record.last_name, record.emails) == (
            "Kai",
            "Berg",
            ["kai@example.com"],
        )
        assert record.company == "Umbrella"  # "Employer" is a known column name
        assert record.source == "Meetup"

    def test_a_full_name_column_is_split(self):
        parsed = parse_file(b"Name,Email\nLudwig van Beethoven,lvb@example.com\n", "n.csv")
        record = parsed.items[0].record
        assert (record.first_name, record.last_name) == ("Ludwig", "van Beethoven")

    def test_mapped_columns_missing_from_the_file_refuse_it(self):
        parsed = parse_file(b"A,B\n1,2\n", "a.csv", mapping={"given": "first_name"})
        assert parsed.problem.startswith("missing columns: no row in the first 30 lines has")
        assert "given" in parsed.problem

    def test_a_csv_without_recognisable_columns_is_refused(self):
        parsed = parse_file(b"foo,bar\n1,2\n", "a.csv")
        assert parsed.problem.startswith("missing columns:")

    def test_bad_rows_are_refused_one_by_one_and_the_rest_read(self):
        data = (
            b"First Name,Last Name,Email\n"
            b",,\n"  # blank: not an item
            b",,,extra\n"  # nothing but a cell beyond the header
            b"Ok,One,one@example.com\n"
            b'"Open,quote,x@example.com\nNext,Row,next@example.com\n'
        )
        parsed = parse_file(data, "bad.csv")
        outcomes = _items(parsed)
        assert outcomes[0] == (
            "bad.csv, line 3",
            None,
            "no name, email, phone or profile URL",
        )
        assert outcomes[1][0] == "bad.csv, line 4: Ok One" and outcomes[1][1] is not None
        assert outcomes[2][0].startswith("bad.csv, lines 5–6")
        assert outcomes[2][2] == "first name runs over several lines (a quote left open?)"

    def test_cells_beyond_the_header_are_left_out_with_a_warning(self):
        parsed = parse_file(b"First Name,Last Name\nA,B,surprise\n", "x.csv")
        assert parsed.items[0].warnings == ["1 cell(s) beyond the header's columns left out"]

    def test_control_characters_never_reach_a_record(self):
        parsed = parse_file(b"First Name,Last Name\nA\x00na,Be\x1bll\n", "x.csv")
        record = parsed.items[0].record
        assert (record.first_name, record.last_name) == ("Ana", "Bell")

    def test_an_unknown_mapping_field_is_refused(self):
        with pytest.raises(MappingError, match="“age” is not a field"):
            parse_mapping("Age=age")
        with pytest.raises(MappingError, match="is not Column Name=field"):
            parse_mapping("nonsense")


class TestJsonResume:
    DOC = {
        "basics": {
            "name": "Grace Hopper",
            "label": "Rear Admiral",
            "email": "grace@example.com",
            "phone": "+1 202 555 0100",
            "url": "https://grace.example",
            "summary": "Invented the compiler.",
            "location": {"city": "Arlington", "region": "VA", "countryCode": "US"},
            "profiles": [
                {"network": "GitHub", "username": "ghopper"},
                {"network": "LinkedIn", "url": "https://linkedin.com/in/ghopper"},
            ],
        },
        "work": [
            {"name": "Univac", "position": "Programmer", "endDate": "1949-01-01"},
            {"name": "US Navy", "position": "Officer", "startDate": "1967-08-01"},
        ],
        "skills": [{"name": "COBOL"}, {"name": "Compilers", "keywords": ["A-0"]}],
    }

    def test_one_resume(self):
        parsed = parse_file(json.dumps(self.DOC).encode(), "grace.json")
        assert parsed.format == "json-resume"
        (item,) = parsed.items
        r = item.record
        assert (r.first_name, r.last_name, r.headline) == ("Grace", "Hopper", "Rear Admiral")
        assert r.company == "US Navy"  # the job without an end date
        assert r.emails == ["grace@example.com"] and r.phones == ["+1 202 555 0100"]
        assert r.urls == [
            "https://grace.example",
            "https://github.com/ghopper",
            "https://linkedin.com/in/ghopper",
        ]
        assert r.location == "Arlington, VA, US"
        assert (r.skills, r.notes) == ("COBOL, Compilers", "Invented the compiler.")
        assert item.label == "grace.json: Grace Hopper"

    def test_a_list_refuses_the_entries_that_are_not_resumes(self):
        doc = [self.DOC, {"name": "no basics"}, 42]
        parsed = parse_file(json.dumps(doc).encode(), "many.json")
        assert [i.problem for i in parsed.items] == [
            "",
            'not a JSON Resume: no "basics" object',
            "not a JSON Resume: a résumé is a JSON object",
        ]
        assert parsed.items[1].label == "many.json, résumé 2"

    def test_json_that_is_not_a_resume_is_refused(self):
        assert parse_file(b'{"name": "x"}', "a.json").problem == (
            'not a JSON Resume: a JSON object without "basics"'
        )
        assert parse_file(b'"text"', "a.json", format="json-resume").problem.startswith(
            "not a JSON Resume"
        )
        assert parse_file(b'{"basics": ', "a.json").problem.startswith("not valid JSON:")

    def test_fields_of_the_wrong_type_are_left_out_with_warnings(self):
        doc = {"basics": {"name": "Alan Turing", "email": ["a@b.c"], "phone": 4155550100}}
        (item,) = parse_file(json.dumps(doc).encode(), "a.json").items
        assert item.record.emails == [] and item.record.phones == ["4155550100"]
        assert item.warnings == ["email left out: not text"]

    def test_a_csv_forced_as_json_is_refused(self):
        parsed = parse_file(LINKEDIN.encode(), "c.csv", format="json-resume")
        assert parsed.problem.startswith("not valid JSON")
