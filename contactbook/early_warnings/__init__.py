"""Early warnings: absences nearing the limit and weak results, told to families once per threshold."""
