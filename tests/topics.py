"""Made-up topic text for store and stream tests: sentences over a topic's own placeholder
words and shared filler (no news text), so that clustering has something to separate."""

from __future__ import annotations

import random


def text(topic: int, seed: int, words: int = 120) -> str:
    rng = random.Random(seed)
    own = [f"topic{topic}word{i}" for i in range(25)]
    shared = [f"filler{i}" for i in range(300)]
    return ". ".join(
        " ".join(rng.choice(own) if rng.random() < 0.6 else rng.choice(shared)
                 for _ in range(12)).capitalize() for _ in range(words // 12)) + "."
