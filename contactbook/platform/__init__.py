"""Above the schools: the platform operator registers authorities and schools; officers oversee."""
