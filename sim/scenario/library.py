"""Finding scenario files: a path is a file or a folder searched recursively for *.toml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ScenarioFile:
    path: Path
    root: Path  # the folder the user named (a file's own folder when a file was named)

    @property
    def relative(self) -> Path:
        """The scenario's id: its path below the root, without the .toml suffix."""
        return self.path.relative_to(self.root).with_suffix("")


def discover(paths: list[Path]) -> list[ScenarioFile]:
    """Scenario files under the given paths, in a stable order; missing paths raise."""
    found: list[ScenarioFile] = []
    for p in paths:
        if p.is_dir():
            found += [ScenarioFile(f, p) for f in sorted(p.rglob("*.toml")) if f.is_file()]
        elif p.is_file():
            found.append(ScenarioFile(p, p.parent))
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return found
