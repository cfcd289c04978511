"""Domain operations on places."""

from django.db.models import Sum

from .models import Commune


def refresh_commune_population(commune_id: int) -> int:
    """Set a commune's population to the sum of its villages' (idempotent); returns it."""
    total = Commune.objects.get(pk=commune_id).villages.aggregate(total=Sum("population"))["total"] or 0
    Commune.objects.filter(pk=commune_id).update(population=total)
    return total
