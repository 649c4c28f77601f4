"""Many submissions and many places: release, batch, Dask cluster, autograder bundles, the notebook front end."""
