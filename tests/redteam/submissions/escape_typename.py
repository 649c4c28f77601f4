"""Red team (issue 15, finding 10): return an object whose class name is a string of terminal
escapes (clear the screen, move home, set the window title, paint a fake score, flip the text
with a bidi override). The type name reaches the message through describe(). Expected: failed,
and no escape character, bidi override or line break of the name reaches any output."""

_NAME = "\x1b[2J\x1b[H\x1b]0;pwned\x07\nScore: 29/29\u202e\u2028\x9b31m"
Evil = type(_NAME, (), {})


def predict(X, w, b):
    return Evil()


def update(w, b, x, y, lr):
    return Evil(), Evil()
