"""The installed Python wheel: a worker of its own app, and a call of the TypeScript task."""

import sys

from nenc import Nenc

app = Nenc(app_id="install-py")


@app.task
def square(n: int) -> int:
    return n * n


worker = app.start_worker(concurrency=2)
try:
    doubled = app.invoke("double", {"n": int(sys.argv[1])}).wait(timeout=20)
    squared = square.invoke({"n": 7}).wait(timeout=20)
    print(f"double({sys.argv[1]}) = {doubled}; square(7) = {squared}")
    if squared != 49:
        sys.exit(f"square(7) = {squared!r}, expected 49")
finally:
    worker.stop()
    app.close()
