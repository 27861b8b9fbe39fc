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

# The course's home: where each release notebook's Colab badge opens it and where its setup cell installs
# the course helpers from. OWNER/NAME[@BRANCH] (a GitHub repository; branch main by default) or NAME==VERSION
# (a release on PyPI). `python -m autograder release --home ...` rewrites this one line; nbgrader's own
# generate_assignment (and formgrader's Generate) read it too. source/ holds only placeholders
# ({{ colab_header }} in the title cell, # {{ course_setup }} in the setup cell): autograder/release.py.
c.CourseHome.home = "cnn-course/cnn-course@main"
c.CourseHome.commit = ""  # release --pin: the commit whose helpers the setup cells install; empty: the branch
c.CourseHome.upload_url = ""  # where students hand in (a form or LMS link); empty: "as your instructor says"
c.GenerateAssignment.preprocessors = [
    "autograder.release.CourseHome",  # first: the header and setup cell, before nbgrader locks and checksums
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]  # nbgrader 0.9's own list (GenerateAssignment.preprocessors), ours in front
