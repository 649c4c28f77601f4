"""Red team (issue 15, finding 11): an exception message that closes the Markdown code fence
Gradescope shows it in, then adds a heading, a link and a remote image (a tracking pixel).
Expected: error, and the whole message stays inside one code block."""


def predict(X, w, b):
    raise ValueError("nothing to see\n```\n# All tests passed: 29/29\n"
                     "[Appeal your grade here](https://evil.example/phish)\n"
                     "![pixel](https://evil.example/track.png)\n<img src=x onerror=alert(1)>\n~~~\n````````")
