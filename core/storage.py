"""Static files in production: WhiteNoise's compressed files with a content hash in their names."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def is_source_map(pattern) -> bool:
        regex = pattern[0] if isinstance(pattern, tuple) else pattern
        return "sourceMappingURL" in regex

    return tuple(
        (extension, tuple(p for p in group if not is_source_map(p)))
        for extension, group in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Vendored files (Leaflet, the DSFR) name source maps that they do not ship: these comments
    are left as they are instead of failing collectstatic."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
