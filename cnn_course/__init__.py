"""Course helpers the notebooks import: runtime (device, profile, downloads, seeds), data, plots, checks."""
from .runtime import PROFILES, cache_dir, can_download, device, profile, seed_everything, summary

__all__ = ["PROFILES", "cache_dir", "can_download", "device", "profile", "seed_everything", "summary"]
