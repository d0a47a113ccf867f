from django.apps import AppConfig


class CandidateImportConfig(AppConfig):
    name = "candidly.candidate_import"
    label = "candidate_import"
