"""The catalogue app: owns the roles migration and fills the registry at start-up."""

from django.apps import AppConfig


class LayersConfig(AppConfig):
    """Fills the layer registry from each theme app's ``catalogue`` module."""

    name = "layers"
    label = "layers"
    verbose_name = "Layer catalogue"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("catalogue")
