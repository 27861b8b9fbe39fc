"""What the tests rely on, declared once: the static scan (:mod:`autograder.tamper`) flags student code
that assigns to any of it, and the in-kernel guard (:mod:`autograder.kernel_guard`) restores all of it
before each test and reports what changed. Neither is what a score rests on (see the README's threat
model); they are the first line, and they must agree on what they protect.
"""

# Module attributes the checks and tests call.
MODULE_ATTRS = {
    "torch": ["allclose", "isclose", "equal", "all", "any", "abs", "max", "testing"],
    "torch.testing": ["assert_close"],
    "numpy": ["allclose", "isclose", "array_equal", "asarray", "abs", "all", "any", "testing"],
    "numpy.testing": ["assert_allclose", "assert_array_equal", "assert_equal", "assert_array_almost_equal",
                      "assert_almost_equal"],
    "sys": ["displayhook", "exit", "stdout", "stderr"],  # ipykernel swaps excepthook per request
}
# IPython's shell and kernel: how a cell runs and how its error is shown.
SHELL_METHODS = ["showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
                 "run_code", "run_ast_nodes", "set_custom_exc", "get_exception_only"]
SHELL_ATTRS = ["custom_exceptions", "CustomTB", "InteractiveTB"]
KERNEL_METHODS = ["do_execute", "execute_request"]
# Packages whose every module is the grader's or the course's: nothing in them is the student's to change.
PACKAGES = ("cnn_course", "autograder")
# Modules whose attributes students must not assign (their own variables are theirs).
MODULES = PACKAGES + ("builtins", "IPython", "ipykernel", "numpy.testing", "torch.testing", "nbclient", "nbgrader")
CALLS = {"set_custom_exc"}  # calls that change how errors are reported


# Names too common to flag on an object the scan cannot resolve (a student's own `self.max = ...`); on the
# modules above they are still protected.
_COMMON_NAMES = {"all", "any", "abs", "max", "equal", "asarray", "exit", "stdout", "stderr"}
_ANYWHERE = ({name for attrs in MODULE_ATTRS.values() for name in attrs} - _COMMON_NAMES
             | set(SHELL_METHODS) | set(SHELL_ATTRS) | set(KERNEL_METHODS) | {"excepthook"})


def in_protected_module(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in MODULES)


def protects(owner: str, attr: str | None) -> bool:
    """Whether assigning ``owner.attr`` changes what the tests rely on (``owner``: the dotted name the
    scan resolved the object to, '' when it could not)."""
    return attr in MODULE_ATTRS.get(owner, ()) or attr in _ANYWHERE or in_protected_module(owner)
