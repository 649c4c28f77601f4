"""Reading what a student hands in (.py, folders, zips, notebooks, LMS export layouts): text in, sources out."""
