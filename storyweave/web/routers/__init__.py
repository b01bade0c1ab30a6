"""One router per resource; each route is a few lines over the store and :mod:`storyweave.desk`."""
