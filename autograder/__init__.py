"""The course's grading engine, built on nbgrader: it finds graded cells by their markers, restores
the instructor's tests, executes each submission in an isolated kernel with limits, and records the
scores in nbgrader's gradebook so that nbgrader's feedback and export work as usual."""
