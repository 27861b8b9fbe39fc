"""Course helpers the notebooks import: runtime (device, profile, seeds), data, plots, checks."""
from .runtime import PROFILES, device, profile, seed_everything, summary

__all__ = ["PROFILES", "device", "profile", "seed_everything", "summary"]
