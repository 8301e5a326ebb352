"""Build: run the chapters on an edition, make the generated pages, build the book and publish it."""
