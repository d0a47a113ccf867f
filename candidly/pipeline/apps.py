from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "candidly.pipeline"
    label = "pipeline"
