"""Operations: backup and restore, the scale-out proof, the processes they start."""
