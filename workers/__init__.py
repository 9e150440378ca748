"""The Celery side: the worker's entry point, thin named tasks and the beat schedule."""
