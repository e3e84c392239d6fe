"""This service's request and response models where they differ from `shared/schemas/`: the
application's (`applications`), the assessment's and the committee's (`assessment`), and their OpenAPI
examples (`examples`)."""
