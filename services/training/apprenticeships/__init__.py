"""Modern apprenticeship 现代学徒制: an apprentice (a learner record of the school) with a school mentor and an
enterprise mentor, the 招工 date and the contract that makes the student a prospective employee of the enterprise."""
