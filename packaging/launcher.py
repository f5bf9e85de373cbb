"""The desktop bundle's entry point (PyInstaller runs this; the wheel's is ``desk-app = main:main``)."""

import sys

from main import main

if __name__ == "__main__":
    sys.exit(main())
