"""`make bench`: the load benchmark (Locust) against our servers and Rasa's own `rasa init`."""
