"""The project's final report, drafted from the stores: chapters in the order the project plan names them."""
