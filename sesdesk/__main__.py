"""`python -m sesdesk` runs the same entry point as the `sesdesk` command."""

from sesdesk.entry import main

raise SystemExit(main())
