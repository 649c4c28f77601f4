"""Results into text, JSON, Markdown, HTML, the LMS formats, class feedback and gradebooks."""
