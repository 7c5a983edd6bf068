"""The organizers' console under /console/: it reads and drives every app, so it sits above them."""
