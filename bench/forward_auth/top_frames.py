"""Summarise py-spy's collapsed stacks (`py-spy record --format raw`): the frames where samples
end (self time) and the frames samples pass through (inclusive), as shares of all samples.

    python bench/forward_auth/top_frames.py forward-auth.raw [N] [FRAME]
"""

import re
import sys
from collections import Counter
from pathlib import Path

LINE = re.compile(r"\s*\(([^():]*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """'decide (polise/sso/forward_auth.py:180)' -> 'decide (polise/sso/forward_auth.py)'."""
    match = LINE.search(frame)
    if not match:
        return frame.strip()
    path = match.group(1)
    for marker in ("site-packages/", "/polise/", "lib/python3"):
        if marker in path:
            path = path[path.index(marker) + (1 if marker.startswith("/") else 0) :]
            break
    return f"{frame[: match.start()].strip()} ({path})"


def main(path: str, top: int = 25, within: str = "_runner") -> None:
    """Shares of the samples whose stack passes through a frame named `within` (granian's
    per-request runner): the request work, without the idle main thread."""
    own: Counter[str] = Counter()
    through: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [frame_name(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames or not any(f.split(" (")[0].endswith(within) for f in frames):
            continue
        total += n
        own[frames[-1]] += n
        for name in set(frames):
            through[name] += n
    print(f"{total} samples in request handling (stacks through {within})")
    print("\nself (where samples end):")
    for name, n in own.most_common(top):
        print(f"{100 * n / total:6.1f}%  {name}")
    print("\ninclusive (samples passing through):")
    for name, n in through.most_common(top):
        print(f"{100 * n / total:6.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25, *sys.argv[3:4])
