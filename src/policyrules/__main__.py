"""`python -m policyrules`: the same command as the `policyrules` console script."""

from .cli import main

if __name__ == "__main__":
    main()
