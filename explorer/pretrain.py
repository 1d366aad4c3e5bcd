"""`python -m explorer.pretrain [--check]`: the shipped models' recipe lives in explorer.zoo.pretrain."""
from explorer.zoo.pretrain import main

if __name__ == "__main__":
    main()
