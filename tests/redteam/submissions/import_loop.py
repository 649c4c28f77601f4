"""Red team F1: an endless loop at import time. Expected: every test times out, after one deadline
for the whole submission (not one per test)."""
while True:
    pass
