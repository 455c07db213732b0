"""CVR numbers for the demo: valid, unique, random, generated in bulk.

A CVR number has 8 digits, a non-zero first digit, and passes the modulus-11 check: with weights
2,7,6,5,4,3,2,1 the weighted digit sum is divisible by 11. The last digit has weight 1, so for a
7-digit prefix the check digit is ``(-weighted prefix sum) mod 11`` — and the prefix is unusable
when that is 10 (about one prefix in eleven). Everything here is vectorised numpy: 300,000 numbers
take milliseconds.
"""

from __future__ import annotations

import numpy as np

WEIGHTS = np.array([2, 7, 6, 5, 4, 3, 2, 1], dtype=np.int64)
_POWERS = 10 ** np.arange(7, -1, -1, dtype=np.int64)  # 10^7 .. 10^0


def digits(numbers: np.ndarray) -> np.ndarray:
    """The 8 digits of each (8-digit) number, most significant first: shape (n, 8)."""
    return (np.asarray(numbers, dtype=np.int64)[:, None] // _POWERS) % 10


def checksum(numbers: np.ndarray) -> np.ndarray:
    """Weighted digit sum mod 11 (0 = valid), like ``stdnum.dk.cvr.checksum``."""
    return (digits(numbers) @ WEIGHTS) % 11


def make_cvrs(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid CVR numbers (int64, 10000000..99999999), in random order.

    7-digit prefixes are drawn with replacement and de-duplicated (cheap in memory, unlike a
    permutation of all 9 million prefixes); prefixes whose check digit would be 10 are dropped,
    so ~25 % more are drawn than needed, and more on the rare shortfall.
    """
    want = int(n * 1.25) + 64
    while True:
        prefixes = np.unique(rng.integers(1_000_000, 10_000_000, size=want, dtype=np.int64))
        weighted = (digits(prefixes * 10)[:, :7] @ WEIGHTS[:7]) % 11
        check = (-weighted) % 11
        ok = check < 10
        if ok.sum() >= n:
            valid = prefixes[ok] * 10 + check[ok]
            return rng.permutation(valid)[:n]
        want = int(want * 1.3)


def corrupt(numbers: np.ndarray) -> np.ndarray:
    """Valid CVRs turned invalid: the last digit (weight 1) moved by +1..+9 mod 10 breaks the sum.

    Moving the last digit by k changes the weighted sum by k or k-10, neither divisible by 11.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    last = numbers % 10
    return numbers - last + (last + 3) % 10


def as_text(numbers: np.ndarray) -> np.ndarray:
    """CVR numbers as 8-character strings."""
    return np.char.zfill(np.asarray(numbers, dtype=np.int64).astype(str), 8)
