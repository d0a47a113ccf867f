"""Helpers shared by the apps. Nothing here has models."""
