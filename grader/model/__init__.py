"""Plain data: the assignment spec, results, configuration, limits. Imports nothing of grader outside this package."""
