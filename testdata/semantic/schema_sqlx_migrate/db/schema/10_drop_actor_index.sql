-- sqlx orders by the number: this runs after 9.
DROP INDEX events_actor;
