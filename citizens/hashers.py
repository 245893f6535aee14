"""How passwords are stored.

Argon2id (the Password Hashing Competition's winner, Django's recommended hasher) with the
parameters OWASP's Password Storage Cheat Sheet gives as its first choice: 19 MiB of memory,
2 passes, 1 lane. Guessing is bounded by memory, not only by CPU time, so a check costs the
server about 20-30 ms of one core where PBKDF2 with Django's 1,000,000 iterations costs
about 230 ms for weaker protection against GPUs: at a round's closing, 300 residents
logging in within seconds no longer saturate two cores (`make bench-rush`). Existing PBKDF2
hashes still work and are upgraded to Argon2id at the next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
