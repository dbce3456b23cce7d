-- A boolean kept as an integer, as SQLite schemas do: a flag by its name.
ALTER TABLE events ADD COLUMN is_hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
