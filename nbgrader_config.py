"""nbgrader configuration for this course: source/ -> release/ -> submitted/ -> autograded/ -> feedback/."""
c = get_config()  # noqa: F821 (nbgrader injects it)

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# The release never carries outputs or hidden tests; students see the stub text below.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.enforce_metadata = True
c.ClearOutput.remove_metadata_fields = ["collapsed", "scrolled", "execution"]

# Plain `nbgrader autograde` stays usable (and is what the benchmark compares against).
c.Execute.timeout = 300
c.Execute.allow_errors = True

# Feedback shows test names, points and messages, never hidden-test code or its tracebacks.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
