"""csa-stats: the Coventry Community Safety Partnership strategic assessment as code.

The flow reads one way: a source adapter returns the tidy incident table (``schema``), ``measures``
summarise it for the period that ``params`` names, and ``charts``, ``tables`` and ``narrative`` turn the
results into what a chapter shows. ``pipeline`` runs the chapter notebooks and builds the site.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("csa-stats")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
