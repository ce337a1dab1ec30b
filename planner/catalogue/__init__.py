"""The price catalogue: its schema (``schema``) and the YAML loader (``load``)."""

from planner.catalogue.load import load_catalogue, price_as_of, price_is_unverified, sourced_figures
from planner.catalogue.schema import Catalogue

__all__ = ["Catalogue", "load_catalogue", "price_as_of", "price_is_unverified", "sourced_figures"]
