"""Preschools' daily notes: a child's day (meals, nap, health, activities, a comment), written for the whole class
on one screen, sent to the families in the evening and kept in the portal."""
