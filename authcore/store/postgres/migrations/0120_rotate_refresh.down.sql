DROP FUNCTION rotate_refresh_token(text, text, text, text, text, text[], text, text, timestamptz, timestamptz, text, timestamptz, text, timestamptz);
