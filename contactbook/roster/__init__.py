"""School years, classes, subjects, teaching assignments, students and guardians, and roster import."""
