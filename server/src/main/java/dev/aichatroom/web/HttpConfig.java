package dev.aichatroom.web;

/** The HTTP listener: {@code PORT} on {@code HTTP_BIND}. */
public record HttpConfig(String bind, int port) {}
