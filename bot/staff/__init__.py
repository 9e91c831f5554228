"""Staff pages under /staff: sign-in, conversation review, trends, users; and the queries the
`companion export` and `companion user` commands share with them."""
