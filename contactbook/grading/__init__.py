"""The grade book: scores by the national circulars (Thông tư 22/2021, 27/2020), entry, publishing."""
