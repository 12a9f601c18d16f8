"""How the user called Snakemake, read from Snakemake's own command line parser.

Snakemake does not tell a workflow its targets, whether it is a dry run, or the options the
user typed, until the DAG is built (and some never). The workflow needs them earlier: to heal
(``dlscratch.heal``) only in a run that executes, and to quote, in every remedy it prints,
a command that works as written: the user's own ``--cores``, ``--directory``,
``--snakefile``, ``--configfile``, ``--config`` and profiles, exactly as typed. Snakemake's
``cli.main`` holds the parsed arguments and the parser while it runs; ``from_stack`` finds
them there. When the workflow is driven another way (Snakemake's Python API), nothing is
known: ``Invocation.unknown`` then gives a form that works.
"""

import shlex
import sys
from dataclasses import dataclass, field

# the options a remedy carries over, as the user gave them (by their argparse dest)
CARRIED = ("cores", "jobs", "directory", "snakefile", "configfile", "config", "profile", "workflow_profile")
# options under which a call reads but does not execute the workflow
READ_ONLY = ("dryrun", "report", "lint", "list_rules", "list_target_rules", "summary", "detailed_summary",
             "list_changes", "list_input_changes", "list_params_changes", "list_code_changes", "unlock",
             "cleanup_metadata", "cleanup_shadow", "delete_all_output", "delete_temp_output", "touch", "dag",
             "rulegraph", "filegraph", "d3dag", "print_compilation", "archive", "containerize", "export_cwl",
             "generate_unit_tests", "conda_create_envs_only", "conda_cleanup_envs", "draft_notebook",
             "edit_notebook", "debug_dag")


@dataclass
class Invocation:
    """``targets`` (the names given, or [] for the default), whether the call ``executes``
    jobs (not a dry run, a report, a lint...) and is a ``dryrun``, and ``options``: the
    command-line tokens a remedy carries over, as typed. ``known``: whether Snakemake's
    command line was found."""

    targets: list = field(default_factory=list)
    executes: bool = True
    dryrun: bool = False
    options: list = field(default_factory=list)
    directory: str | None = None
    known: bool = True

    @classmethod
    def unknown(cls, configfiles=(), config=None):
        """A call whose command line is unknown: a form that works, from what the workflow knows."""
        import json

        options = ["--cores", "4"]
        if configfiles:
            options += ["--configfile", *map(str, configfiles)]
        if config:
            options += ["--config", *(f"{key}={json.dumps(value)}" for key, value in config.items())]
        return cls([], True, False, options, None, False)

    def command(self, target=None):
        """The command that runs the workflow as the user ran it (``target``: a target of its
        own, such as ``compare``, put first: after ``--configfile a b`` it would be read as
        a file), each token quoted for a POSIX shell."""
        options = list(self.options)
        if not any(o in ("--cores", "-c", "--jobs", "-j") or o.startswith(("--cores=", "--jobs=", "-c", "-j"))
                   for o in options):
            options = ["--cores", "4"] + options
        return shlex.join(["snakemake", *([target] if target else []), *options])

    def path(self, path):
        """``path`` (relative to the working directory) as the user's shell names it (with
        ``--directory``, under that directory)."""
        import os

        if self.directory is None or os.path.isabs(str(path)):
            return str(path)
        return os.path.normpath(os.path.join(self.directory, str(path)))


def _parser_and_args():
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(("snakemake/cli.py", "snakemake\\cli.py")):
            args, parser = frame.f_locals.get("args"), frame.f_locals.get("parser")
            if args is not None and parser is not None:
                return parser, args
        frame = frame.f_back
    return None, None


def carried_tokens(argv, parser):
    """The tokens of ``argv`` that set an option of ``CARRIED``, with their values, as typed
    (``parser``: Snakemake's, which knows how many values each option takes)."""
    actions = parser._option_string_actions
    out, i = [], 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if token == "--":
            break
        if not token.startswith("-") or token == "-":
            continue
        name, eq, _ = token.partition("=")
        action, attached = actions.get(name), bool(eq)
        if action is None and not token.startswith("--") and len(token) > 2:  # -c4
            action, attached = actions.get(token[:2]), True
        if action is None:
            continue
        start = i - 1
        if not attached:
            if action.nargs is None:
                i = min(i + 1, len(argv))
            elif action.nargs == "?":
                i += i < len(argv) and not argv[i].startswith("-")
            elif action.nargs in ("+", "*"):
                while i < len(argv) and not argv[i].startswith("-"):
                    i += 1
            elif isinstance(action.nargs, int):
                i = min(i + action.nargs, len(argv))
        if action.dest in CARRIED:
            out += argv[start:i]
    return out


def from_stack(configfiles=(), config=None):
    """The ``Invocation`` of this Snakemake call (``Invocation.unknown`` off the command line)."""
    parser, args = _parser_and_args()
    if args is None:
        return Invocation.unknown(configfiles, config)
    read_only = any(bool(getattr(args, name, False)) for name in READ_ONLY)
    directory = getattr(args, "directory", None)
    return Invocation(
        targets=[str(t) for t in (getattr(args, "targets", None) or [])],
        executes=not read_only,
        dryrun=bool(getattr(args, "dryrun", False)),
        options=carried_tokens(sys.argv[1:], parser),
        directory=str(directory) if directory else None,
    )


ENV = "DLSCRATCH_INVOCATION"


def to_env(invocation):
    """The invocation as the environment its jobs inherit carries it (``from_env``)."""
    import json

    return json.dumps({"options": invocation.options, "directory": invocation.directory,
                       "known": invocation.known})


def from_env():
    """The invocation the workflow's jobs inherited (an unknown one outside a workflow)."""
    import json
    import os

    try:
        data = json.loads(os.environ[ENV])
        return Invocation([], True, False, list(data["options"]), data.get("directory"), data.get("known", True))
    except (KeyError, ValueError, TypeError):
        return Invocation.unknown()

