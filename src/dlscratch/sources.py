"""The library modules a piece of code runs, read from its import statements.

Snakemake does not follow Python imports, so each rule declares the source files its job
imports as inputs (editing one reruns exactly the rules whose jobs import it). They are
derived here from the real ``import`` statements of the code, transitively, never kept
by hand; the tests check them against the modules each job has loaded when it ends.
Imports made by name at run time (``importlib``: an experiment's or a figure's function)
are not visible in the source, so the rule names those modules itself.
"""

import ast
import hashlib
import re
import symtable
from functools import cache
from pathlib import Path

PACKAGE = "dlscratch"
PACKAGE_DIR = Path(__file__).resolve().parent


def module_file(module, package_dir=PACKAGE_DIR):
    """The file of ``module`` (``dlscratch.x.y``): ``x/y.py`` or ``x/y/__init__.py``, or None."""
    parts = module.split(".")[1:]
    base = Path(package_dir, *parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _parents(module):
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def imports_of(path, module=None, package_dir=PACKAGE_DIR):
    return set(_imports_of(str(path), module, str(package_dir)))


_IMPORT = re.compile(r"^[ \t]*((?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*))|(?:import[ \t]+[^\n]*))",
                     re.M)


def _import_statements(source):
    """The import statements of ``source``, each on its own, dedented (a line of a docstring
    that only looks like one does not parse, and is left out)."""
    statements = []
    for match in _IMPORT.finditer(source):
        statement = match.group(1).split("#")[0].rstrip().rstrip("\\")
        try:
            ast.parse(statement)
        except SyntaxError:
            continue
        statements.append(statement)
    return "\n".join(statements)


@cache
def _imports_of(path, module, package_dir):
    """The ``dlscratch`` modules named by the import statements of the file ``path``
    (``module`` is its own dotted name, to resolve relative imports; None for a script).
    Only the import statements are parsed (``_import_statements``): every workflow call of
    Snakemake works these out, and parsing whole files took most of its start."""
    tree = ast.parse(_import_statements(Path(path).read_text()), filename=str(path))
    is_package = Path(path).name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if module is None:
                    raise ValueError(f"{path}: relative import outside the package")
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            # "from a import b": b is a submodule or a name defined in a
            names = [origin] + [f"{origin}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if (name == PACKAGE or name.startswith(PACKAGE + ".")) and module_file(name, package_dir):
                found.add(name)
    return frozenset(found)


# modules that import others by name at import time: the registry imports every module of
# the chapter (dlscratch.chapter) to read their declarations
DYNAMIC = {"dlscratch.registry": "dlscratch.chapter"}


def _package_modules(package, package_dir):
    folder = Path(package_dir, *package.split(".")[1:])
    return [f"{package}.{p.stem}" for p in sorted(folder.glob("*.py")) if p.stem != "__init__"]


@cache
def _closure(modules, package_dir):
    seen, todo = set(), list(modules)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        path = module_file(module, package_dir)
        if path is None:
            raise ValueError(f"no module {module} under {package_dir}")
        seen.add(module)
        todo += _parents(module)
        todo += imports_of(path, module, package_dir)
        if module in DYNAMIC:
            todo += _package_modules(DYNAMIC[module], package_dir)
    return frozenset(seen)


def modules_run(*modules, scripts=(), package_dir=PACKAGE_DIR):
    """Every ``dlscratch`` module that importing ``modules`` and running ``scripts`` imports,
    sorted by name (the modules themselves, their packages' ``__init__``, and so on)."""
    roots = set(modules)
    for script in scripts:
        roots |= imports_of(script, package_dir=package_dir)
    return sorted(_closure(frozenset(roots), Path(package_dir)))


def source_files(*modules, scripts=(), package_dir=PACKAGE_DIR):
    """The source files of ``modules_run(...)``, in the same order."""
    return [str(module_file(m, package_dir)) for m in modules_run(*modules, scripts=scripts, package_dir=package_dir)]


def loaded_sources(sys_modules, package_dir=PACKAGE_DIR):
    """The files under ``package_dir`` of the modules in ``sys_modules`` (what a job has run)."""
    package_dir = Path(package_dir).resolve()
    files = set()
    for name, module in list(sys_modules.items()):
        path = getattr(module, "__file__", None)
        if (name == PACKAGE or name.startswith(PACKAGE + ".")) and path:
            path = Path(path).resolve()
            if package_dir in path.parents:
                files.add(str(path))
    return sorted(files)


SECTIONS = "dlscratch.chapter"  # the package whose modules are keyed by the part a job runs


def _targets(node, module, is_package, package_dir):
    """[(module, names or None)] that the import statement ``node`` of ``module`` imports
    (``dlscratch`` modules only; names: what ``from m import a, b`` takes of a module m)."""
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names if alias.name.split(".")[0] == PACKAGE]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        origin = ".".join(base[: len(base) - (node.level - 1)] + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    if origin.split(".")[0] != PACKAGE:
        return []
    out, names = [], set()
    for alias in node.names:
        if module_file(f"{origin}.{alias.name}", package_dir):  # from package import submodule
            out.append((f"{origin}.{alias.name}", None))
        else:
            names.add(alias.name)
    return out + ([(origin, names)] if names else [])


@cache
def _clean(source):
    """The syntax tree of ``source`` without docstrings, parsed once (never changed after)."""
    return _without_docstrings(ast.parse(source))


def _section(module):
    return module.startswith(SECTIONS + ".")


def job_modules(modules, entries=(), scripts=(), package_dir=PACKAGE_DIR):
    """({module: None, or for a chapter section's the names of it the job reaches}) of the code
    a job runs: importing ``modules``, calling ``entries`` ("module:function") and running
    ``scripts``. Any other module counts whole, with everything it imports; of a section's
    module, only the definitions the job's calls reach (``reached``), and the modules those
    import, count: a training job imports its section's drawing, but never runs it."""
    package_dir = Path(package_dir)
    todo = [(m, None) for m in modules]
    for script in scripts:
        tree = ast.parse(_import_statements(Path(script).read_text()))
        todo += [t for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                 for t in _targets(node, PACKAGE, False, package_dir)]
    for entry in entries:
        module, name = entry.split(":")
        todo.append((module, {name}))
    found = {}
    while todo:
        module, names = todo.pop()
        path = module_file(module, package_dir)
        if path is None:
            raise ValueError(f"no module {module} under {package_dir}")
        section = _section(module) and path.name != "__init__.py"
        if module in found and (not section or set(names or ()) <= found[module]):
            continue
        found[module] = (found.get(module) or set()) | set(names or ()) if section else None
        todo += [(parent, None) for parent in _parents(module)]
        is_package = path.name == "__init__.py"
        if section:
            todo += _section_targets(module, path.read_bytes(), frozenset(found[module]), package_dir)
        else:
            todo += _module_targets(module, path.read_text(), is_package, package_dir)
            todo += [(m, ()) for m in _package_modules(DYNAMIC[module], package_dir)] if module in DYNAMIC else []
    return dict(sorted(found.items()))


@cache
def _section_targets(module, source, names, package_dir):
    """[(module, names or None)] that the definitions of a section's ``module`` (its ``source``)
    reached from ``names`` import."""
    rest, defs = reached(_clean(source), names)
    return [t for node in rest + defs for inner in ast.walk(node) if isinstance(inner, (ast.Import, ast.ImportFrom))
            for t in _targets(inner, module, False, package_dir)]


@cache
def _module_targets(module, source, is_package, package_dir):
    """[(module, names or None)] that the import statements of ``module`` (its ``source``) import."""
    return [t for node in ast.walk(ast.parse(_import_statements(source)))
            if isinstance(node, (ast.Import, ast.ImportFrom)) for t in _targets(node, module, is_package, package_dir)]


def job_code(modules, entries=(), scripts=(), package_dir=PACKAGE_DIR):
    """{source: hash} of the code a job runs (``job_modules``): a chapter section's module is
    named with the functions of it the job reaches ("dlscratch/chapter/x.py:f,g") and hashed by
    what those run (``entries_hash``); any other module by its whole code (``code_hash``)."""
    out = {}
    for module, names in job_modules(modules, entries, scripts, package_dir).items():
        path = module_file(module, package_dir)
        name = "/".join(module.split(".")) + ("/__init__.py" if path.name == "__init__.py" else ".py")
        source = path.read_bytes()
        if names is not None:
            out[f"{name}:{','.join(sorted(names))}"] = entries_hash(source, sorted(names))
        else:
            out[name] = code_hash(source)
    return out


def code_of(name, source):
    """The hash a job's code names ``name`` ("dlscratch/x.py", or a section's
    "dlscratch/chapter/x.py:f,g") of the file's ``source`` (bytes): how ``job_code`` hashed it."""
    if ":" in name:
        names = name.split(":", 1)[1]
        return entries_hash(source, names.split(",") if names else [])
    return code_hash(source)


def _without_docstrings(tree):
    """``tree`` with the docstring of its module, classes and functions removed (in place)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


@cache
def _code_hash(source):
    return hashlib.sha256(ast.dump(_clean(source)).encode()).hexdigest()


def code_hash(source):
    """A SHA-256 of what the Python ``source`` (bytes) runs: its syntax tree without comments,
    docstrings, blank lines or formatting (``ast.dump`` holds no positions). Editing a comment
    or a docstring, or reformatting, keeps it; any change to code that runs changes it. A
    source that does not parse is hashed as bytes (its job fails on import anyway)."""
    try:
        return _code_hash(source)
    except (SyntaxError, ValueError):
        return "bytes:" + hashlib.sha256(source).hexdigest()


# module-level names that declare a chapter section (``dlscratch.chapter``): what they hold
# reaches a job as its settings (params), never as code it runs
DECLARATIONS = ("SECTION",)


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


@cache  # by the node itself: a tree of _clean's is parsed once and kept
def _global_names(node):
    """The module-level names a top-level definition can use: what its decorators, defaults,
    annotations and bases name, and the global names of its body and of every function or
    class nested in it, as Python's own scope analysis (``symtable``) finds them. A local
    variable that shares a name with a definition of the module does not reach it."""
    top = symtable.symtable(ast.unparse(node), "<definition>", "exec")
    names = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    tables = list(top.get_children())
    while tables:
        table = tables.pop()
        names |= {s.get_name() for s in table.get_symbols() if s.is_global()}
        tables.extend(table.get_children())
    return frozenset(names)


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _defined(node):
    """The names a top-level statement defines, when it is a definition (a function, a class,
    an import, or an assignment to plain names); None for any other statement."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        return names if len(names) == len(targets) else None
    return None


def reached(tree, entries):
    """(statements, definitions) of the module ``tree`` that calling ``entries`` (names of its
    top-level functions or classes) can run: every top-level statement that is not a
    definition, and the definitions (functions, classes, imports, assignments to names) that
    those and ``entries`` name, transitively. The section's declaration (``SECTION = ...``) is
    never reached: it is what the workflow reads, not what a job runs."""
    defs, rest = {}, []
    for node in tree.body:
        names = _defined(node)
        if names is None:
            rest.append(node)
        for name in names or ():
            if name not in DECLARATIONS:
                defs.setdefault(name, []).append(node)
    unknown = sorted(set(entries) - set(defs))
    if unknown:
        raise ValueError(f"no function {unknown[0]!r} in the module")
    todo, seen = set(entries).union(*(_names(n) for n in rest)), set()
    while todo:
        name = todo.pop()
        if name in defs and name not in seen:
            seen.add(name)
            for node in defs[name]:
                todo |= _global_names(node) if isinstance(node, DEFINITIONS) else _names(node)
    nodes = {id(node): node for name in sorted(seen) for node in defs[name]}
    return rest, sorted(nodes.values(), key=lambda node: (_defined(node)[0], ast.dump(node)))


@cache
def _entries_hash(source, entries):
    rest, defs = reached(_clean(source), entries)
    return hashlib.sha256(ast.dump(ast.Module(body=rest + defs, type_ignores=[])).encode()).hexdigest()


def entries_hash(source, entries):
    """A SHA-256 of the code of the module ``source`` (bytes) that calling ``entries`` can run
    (``reached``), without comments, docstrings or formatting: a chapter section's module holds
    its experiments' training, its figures' drawing and its claims, and a job is keyed by the
    part it runs. (The order of the definitions does not count.)"""
    return _entries_hash(source, tuple(sorted(entries)))


def code_digest(sources):
    """One SHA-256 of ``sources`` ({name in the package: bytes}), by name and ``code_hash``:
    the code part of a store entry's key (``dlscratch.store``)."""
    return digest_hashes({name: code_hash(source) for name, source in sources.items()})


def digest_hashes(hashes):
    """One SHA-256 of ``hashes`` ({name: code_hash}), in name order."""
    h = hashlib.sha256()
    for name in sorted(hashes):
        h.update(name.encode() + b"\0" + hashes[name].encode() + b"\n")
    return h.hexdigest()
