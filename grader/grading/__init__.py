"""Grading one submission against one spec: inputs, references and their stored answers, comparison, mistakes, timing, and the engine that ties them together."""
